from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("Subsidies and rewards")

    def ready(self):
        from targets.seeding import register_after_plans

        from .seeding import load_scheme_fixtures

        register_after_plans(load_scheme_fixtures)

        from org import options

        from .models import PersonCertificate, SchemeRate, TrainingRecord

        # Where the lists' values are stored (#26): a value used there is retired, never
        # deleted (a scheme's amount for it included).
        for model in (SchemeRate, PersonCertificate, TrainingRecord):
            for field, code in model.OPTION_SETS.items():
                options.register_usage(code, model._meta.label, field)

        from org.access import CHANGE
        from skills_portal.choice_search import Source, register

        from .forms import certificate_label
        from .models import Hire, PersonCertificate, StartupProject, TrainingRecord

        # The records a hand-entered claim may pay (the claim form's lists).
        register("certificate", Source(
            rows=lambda user: PersonCertificate.objects.for_user(user, CHANGE).order_by(
                "-issued_on"),
            fields=("person_name", "occupation", "certificate_number")))
        register("hire", Source(
            rows=lambda user: Hire.objects.for_user(user, CHANGE).select_related(
                "certificate").order_by("-hired_on"),
            fields=("enterprise_name", "certificate__person_name")))
        register("project", Source(
            rows=lambda user: StartupProject.objects.for_user(user, CHANGE).order_by(
                "-started_on"),
            fields=("name", "founder_name", "enterprise_name")))
        register("training", Source(
            rows=lambda user: TrainingRecord.objects.for_user(user, CHANGE).order_by(
                "-ended_on"),
            fields=("person_name", "occupation", "institution")))
        # A hire's certificate (any the user may read), labelled as the hire form labels it.
        register("held_certificate", Source(
            rows=lambda user: PersonCertificate.objects.for_user(user).order_by(
                "person_name", "-issued_on"),
            fields=("person_name", "occupation", "certificate_number"),
            label=certificate_label))
