from django.db import migrations


def seed(apps, schema_editor):
    from ganxun.topics.seed import ensure_topics

    ensure_topics(apps.get_model("topics", "Topic"))


class Migration(migrations.Migration):
    dependencies = [("topics", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
