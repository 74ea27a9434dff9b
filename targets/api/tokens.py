"""API tokens for scripts (`Authorization: Token <key>`): one per user, issued or rotated by
`manage.py api_token <username>` or by the signed-in user at /api/v1/token/, both through
`targets.services.issue_token`. Issuing and rotating are audited; the key itself is never
written to the audit trail or the log."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from targets.services import issue_token


class TokenSerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    token = serializers.CharField(read_only=True)
    created = serializers.DateTimeField(read_only=True)
    header = serializers.CharField(read_only=True,
                                   help_text="The header to send: Authorization: Token <key>")


class TokenView(APIView):
    """Your own API token. GET shows it (issuing one the first time); POST rotates it."""

    @staticmethod
    def _answer(user, token, status=200):
        return Response({"username": user.get_username(), "token": token.key,
                         "created": token.created, "header": f"Token {token.key}"},
                        status=status)

    @extend_schema(responses=TokenSerializer, summary="Your API token")
    def get(self, request):
        token, changed = issue_token(user=request.user)
        return self._answer(request.user, token, 201 if changed else 200)

    @extend_schema(request=None, responses=TokenSerializer, summary="Rotate your API token")
    def post(self, request):
        token, _changed = issue_token(user=request.user, rotate=True)
        return self._answer(request.user, token, 201)
