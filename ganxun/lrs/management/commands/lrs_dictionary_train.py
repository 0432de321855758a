"""`python -m ganxun lrs_dictionary_train`: train the zstd dictionary of statement bodies now.

New statements are compressed with it from then on (every worker picks it up within a
minute); stored ones keep theirs. The daily job does the same on its own schedule.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ganxun.lrs.compression import DICTIONARY_BYTES, TRAIN_MINIMUM, TRAIN_SAMPLE, dictionary_train


class Command(BaseCommand):
    help = "Train the zstd dictionary that compresses stored xAPI statements."

    def add_arguments(self, parser):
        parser.add_argument("--sample", type=int, default=TRAIN_SAMPLE, help="newest statements to learn from")
        parser.add_argument("--size", type=int, default=DICTIONARY_BYTES, help="dictionary size in bytes")

    def handle(self, *args, sample: int, size: int, **options):
        if sample < TRAIN_MINIMUM or size < 1024:
            raise CommandError(f"--sample must be at least {TRAIN_MINIMUM} and --size at least 1024")
        dictionary = dictionary_train(sample=sample, size=size)
        if dictionary is None:
            raise CommandError(f"fewer than {TRAIN_MINIMUM} statements are stored: nothing to learn from yet")
        self.stdout.write(f"dictionary {dictionary.dict_id}: {len(bytes(dictionary.data)):,} bytes "
                          f"from {dictionary.sample_size:,} statements\n")
