# corpus: label=vulnerable class=hardcoded_credentials line=11 framework=credentials
import smtplib
from email.message import EmailMessage

msg = EmailMessage()
msg["From"] = "alerts@example.com"
msg["To"] = "ops@example.com"
msg["Subject"] = "disk almost full"
msg.set_content("Disk usage above 90%.")
with smtplib.SMTP_SSL("smtp.example.com", 465) as s:
    s.login("alerts@example.com", "Al3rts!Mail#2024")
    s.send_message(msg)
