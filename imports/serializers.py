"""The upload form of ``POST /api/imports/`` and the shape of its answer (for the schema)."""

from __future__ import annotations

from rest_framework import serializers

from imports.kinds import KINDS


class ImportUploadSerializer(serializers.Serializer):
    """One optional file field per kind, plus the two options of ``import_csv``."""

    update = serializers.BooleanField(default=False, help_text="update rows whose key exists")
    dry_run = serializers.BooleanField(
        default=False, help_text="validate everything, write nothing"
    )

    def get_fields(self):
        fields = super().get_fields()
        for kind in KINDS:
            fields[kind] = serializers.FileField(
                required=False, allow_empty_file=True, help_text=f"{kind}.csv"
            )
        return fields


class KindCountsSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ImportReportSerializer(serializers.Serializer):
    detail = serializers.CharField()
    dry_run = serializers.BooleanField()
    update = serializers.BooleanField()
    seconds = serializers.FloatField()
    kinds = serializers.DictField(child=KindCountsSerializer())
    total = KindCountsSerializer()


class ImportErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.ListField(child=serializers.CharField(), required=False)
