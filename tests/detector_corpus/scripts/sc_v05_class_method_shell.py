# corpus: label=vulnerable class=command_injection line=10 framework=scripts
import os


class Backup:
    def __init__(self, target):
        self.target = target

    def run(self):
        os.system("rsync -a /srv/data/ " + self.target)


Backup(input("destination: ")).run()
