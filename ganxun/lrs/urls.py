"""/xapi/ — the Learning Record Store's resources."""

app_name = "lrs"

urlpatterns: list = []
