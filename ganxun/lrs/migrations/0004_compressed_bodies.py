"""Statement bodies move from JSON text to zstd-compressed bytes (lrs.compression).

Existing rows are compressed without a dictionary, in chunks; the daily job (or the command
`lrs_dictionary_train`) trains the first dictionary once enough statements are stored."""

import zstandard
from django.db import migrations, models

CHUNK = 2_000


def compress_existing(apps, schema_editor):
    statement = apps.get_model("lrs", "XapiStatement")
    compress = zstandard.ZstdCompressor(level=3).compress
    last = 0
    while True:
        rows = list(statement.objects.filter(id__gt=last).order_by("id").values_list("id", "body")[:CHUNK])
        if not rows:
            return
        for pk, body in rows:
            statement.objects.filter(pk=pk).update(data=compress(body.encode()))
        last = rows[-1][0]


def decompress_existing(apps, schema_editor):
    statement = apps.get_model("lrs", "XapiStatement")
    decompress = zstandard.ZstdDecompressor().decompress
    for pk, data in statement.objects.values_list("id", "data").iterator():
        statement.objects.filter(pk=pk).update(body=decompress(bytes(data)).decode())


class Migration(migrations.Migration):

    dependencies = [("lrs", "0003_leaner_indexes")]

    operations = [
        migrations.CreateModel(
            name="XapiBodyDictionary",
            fields=[
                ("dict_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("data", models.BinaryField()),
                ("sample_size", models.PositiveIntegerField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={"verbose_name": "语句压缩字典"},
        ),
        migrations.AddField(model_name="xapistatement", name="data", field=models.BinaryField(default=b"")),
        migrations.AlterField(model_name="xapistatement", name="body", field=models.TextField(default="")),
        migrations.RunPython(compress_existing, decompress_existing, elidable=False),
        migrations.RemoveField(model_name="xapistatement", name="body"),
        migrations.AlterField(model_name="xapistatement", name="data", field=models.BinaryField()),
    ]
