from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "ganxun.recognition"
    label = "recognition"
    verbose_name = "学时互认"

    def ready(self) -> None:
        from ganxun.access import scope
        from ganxun.recognition.models import RecognitionClaim, RecognitionSource, RecognitionUpload

        # A source is managed by the org department of its owner's subtree.
        scope.register(RecognitionSource, paths=("owner__path",))
        # A claim is seen along the cadre's current unit; the cadre sees their own.
        scope.register(RecognitionClaim, paths=("cadre__unit__path",), owner="cadre__person__account")
        # An upload is seen along the scope of the role that uploaded it.
        scope.register(RecognitionUpload, paths=("scope__path",))

        from ganxun.recognition import jobs  # noqa: F401  (run_huey autoloads only modules named tasks)
