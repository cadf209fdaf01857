# corpus: label=vulnerable class=command_injection line=6 framework=subprocess
import subprocess


def grep_logs(pattern):
    proc = subprocess.Popen("grep -i '%s' /var/log/app/*.log" % pattern, shell=True, stdout=subprocess.PIPE)
    return proc.communicate()[0].decode()


print(grep_logs(input("search for: ")))
