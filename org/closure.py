"""The org tree's closure table: one row per (ancestor, descendant) pair. Its own module so
that access scoping (`org.access.Scope`) can build subqueries on it while the unit, department
and membership models in `org.models` use `Scope` for their `for_user` methods."""

from __future__ import annotations

from django.db import connection, models, transaction
from django.utils.translation import gettext_lazy as _


class OrgUnitClosure(models.Model):
    """Closure table: one row per (ancestor, descendant) pair, including each unit with itself
    at depth 0. Subtree and ancestor queries, and the roll-up's joins, read this table."""

    ancestor = models.ForeignKey("org.OrgUnit", on_delete=models.CASCADE, related_name="descendant_links")
    # `figure.org_unit__ancestor_links__ancestor` groups any figure by every unit above it.
    descendant = models.ForeignKey("org.OrgUnit", on_delete=models.CASCADE, related_name="ancestor_links")
    depth = models.PositiveSmallIntegerField()

    class Meta:
        db_table = "targets_orgunitclosure"
        verbose_name = _("org-unit closure row")
        constraints = [
            models.UniqueConstraint(fields=["ancestor", "descendant"], name="closure_unique_pair"),
        ]
        indexes = [models.Index(fields=["descendant", "depth"], name="closure_desc_depth")]

    def __str__(self):
        return f"{self.ancestor_id} → {self.descendant_id} ({self.depth})"

    @classmethod
    def insert_leaf(cls, unit) -> None:
        rows = [cls(ancestor_id=unit.pk, descendant_id=unit.pk, depth=0)]
        if unit.parent_id:
            rows += [
                cls(ancestor_id=a, descendant_id=unit.pk, depth=d + 1)
                for a, d in cls.objects.filter(descendant_id=unit.parent_id)
                .values_list("ancestor_id", "depth")
            ]
        cls.objects.bulk_create(rows)

    @classmethod
    def move_subtree(cls, unit) -> None:
        """Re-hang `unit` and its subtree under its (new) parent: drop the links from the old
        ancestors, add the cross product of new ancestors × subtree. Three statements."""
        subtree = list(cls.objects.filter(ancestor_id=unit.pk).values_list("descendant_id", "depth"))
        subtree_ids = [d for d, _ in subtree]
        cls.objects.filter(descendant_id__in=subtree_ids).exclude(ancestor_id__in=subtree_ids).delete()
        if unit.parent_id:
            ancestors = list(
                cls.objects.filter(descendant_id=unit.parent_id).values_list("ancestor_id", "depth")
            )
            cls.objects.bulk_create(
                cls(ancestor_id=a, descendant_id=d, depth=ad + dd + 1)
                for a, ad in ancestors
                for d, dd in subtree
            )

    RECURSIVE_SQL = """
        WITH RECURSIVE tree(ancestor_id, descendant_id, depth) AS (
            SELECT id, id, 0 FROM targets_orgunit
            UNION ALL
            SELECT tree.ancestor_id, child.id, tree.depth + 1
            FROM tree JOIN targets_orgunit child ON child.parent_id = tree.descendant_id
        )
    """

    @classmethod
    def rebuild(cls) -> int:
        """Recompute the whole table from parent links in one recursive statement."""
        with transaction.atomic(), connection.cursor() as cursor:
            cls.objects.all().delete()
            cursor.execute(
                cls.RECURSIVE_SQL  # noqa: S608 - constant SQL, no user input
                + "INSERT INTO targets_orgunitclosure (ancestor_id, descendant_id, depth) "
                "SELECT ancestor_id, descendant_id, depth FROM tree"
            )
            return cursor.rowcount

    @classmethod
    def discrepancies(cls) -> int:
        """Rows that differ between the stored table and the one derived from parent links."""
        with connection.cursor() as cursor:
            cursor.execute(
                cls.RECURSIVE_SQL  # noqa: S608 - constant SQL, no user input
                + """, stored AS (SELECT ancestor_id, descendant_id, depth FROM targets_orgunitclosure)
                SELECT
                  (SELECT COUNT(*) FROM (SELECT * FROM tree EXCEPT SELECT * FROM stored) AS missing)
                + (SELECT COUNT(*) FROM (SELECT * FROM stored EXCEPT SELECT * FROM tree) AS extra)
                """
            )
            return cursor.fetchone()[0]
