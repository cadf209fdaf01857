# corpus: label=safe class=hardcoded_credentials framework=scripts
import netrc
from ftplib import FTP_TLS

user, _, password = netrc.netrc().authenticators("files.example.com")
ftp = FTP_TLS("files.example.com")
ftp.login(user=user, passwd=password)
ftp.prot_p()
with open("daily.csv", "rb") as fh:
    ftp.storbinary("STOR daily.csv", fh)
ftp.quit()
