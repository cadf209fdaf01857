# corpus: label=vulnerable class=hardcoded_credentials line=5 framework=scripts
from ftplib import FTP_TLS

ftp = FTP_TLS("files.example.com")
ftp.login(user="uploader", passwd="upl0ad-2023")
ftp.prot_p()
with open("daily.csv", "rb") as fh:
    ftp.storbinary("STOR daily.csv", fh)
ftp.quit()
