# corpus: label=vulnerable class=insecure_permissions line=4 framework=permissions
import os

fd = os.open("audit.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
os.write(fd, b"service started\n")
os.close(fd)
