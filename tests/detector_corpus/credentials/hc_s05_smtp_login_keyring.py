# corpus: label=safe class=hardcoded_credentials framework=credentials
import smtplib
from email.message import EmailMessage

import keyring

msg = EmailMessage()
msg["From"] = "alerts@example.com"
msg["To"] = "ops@example.com"
msg["Subject"] = "disk almost full"
msg.set_content("Disk usage above 90%.")
with smtplib.SMTP_SSL("smtp.example.com", 465) as s:
    s.login("alerts@example.com", keyring.get_password("smtp", "alerts@example.com"))
    s.send_message(msg)
