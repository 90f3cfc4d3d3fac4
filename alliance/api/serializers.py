from rest_framework import serializers

from alliance.models import Member


class MemberSerializer(serializers.ModelSerializer):
    country_name = serializers.CharField(source="country.name", read_only=True)
    country = serializers.CharField(source="country.code", read_only=True)
    phone = serializers.CharField(read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "legal_name",
            "local_name",
            "country",
            "country_name",
            "business_roles",
            "fleet_size",
            "contact_name",
            "email",
            "phone",
            "joined_at",
        ]
        read_only_fields = fields


class MyMemberSerializer(MemberSerializer):
    class Meta(MemberSerializer.Meta):
        fields = [*MemberSerializer.Meta.fields, "registration_number", "address", "status"]
        read_only_fields = fields
