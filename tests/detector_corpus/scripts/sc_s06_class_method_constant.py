# corpus: label=safe class=command_injection framework=scripts
import subprocess


class Backup:
    TARGET = "backup@nas.local:/volume1/srv-data/"

    def run(self):
        subprocess.run(["rsync", "-a", "/srv/data/", self.TARGET], check=True)


Backup().run()
