# corpus: label=vulnerable class=tls_verification_disabled line=7 framework=requests
import socket
import ssl

ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with socket.create_connection(("mail.example.org", 993)) as sock:
    with ctx.wrap_socket(sock, server_hostname="mail.example.org") as tls:
        print(tls.version())
