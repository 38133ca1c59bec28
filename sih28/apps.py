from django.apps import AppConfig


class Sih28Config(AppConfig):
    name = "sih28"
    verbose_name = "SIH28"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save
        from rest_framework.authtoken.models import Token

        from sih28 import schema  # noqa: F401 - registers the OpenAPI auth extensions

        post_save.connect(_token_changed, sender=Token, dispatch_uid="sih28.token_saved")
        post_delete.connect(_token_changed, sender=Token, dispatch_uid="sih28.token_deleted")
        user_model = get_user_model()
        post_save.connect(_user_changed, sender=user_model, dispatch_uid="sih28.user_saved")
        post_delete.connect(_user_changed, sender=user_model, dispatch_uid="sih28.user_deleted")


def _token_changed(sender, instance, **kwargs) -> None:
    from sih28.authentication import forget_tokens

    forget_tokens(instance.key)


def _user_changed(sender, instance, **kwargs) -> None:
    """A user's role, flags or existence changed: their cached token lookups go."""
    from django.conf import settings
    from rest_framework.authtoken.models import Token

    from sih28.authentication import forget_tokens

    if settings.AUTH_TOKEN_CACHE_SECONDS and instance.pk is not None:
        forget_tokens(*Token.objects.filter(user_id=instance.pk).values_list("key", flat=True))
