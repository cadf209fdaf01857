# corpus: label=safe class=command_injection framework=django
import subprocess
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile translations"

    def handle(self, *args, **options):
        subprocess.run(["django-admin", "compilemessages", "--ignore", "venv"], check=True)
        self.stdout.write("done")
