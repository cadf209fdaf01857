# corpus: label=safe class=weak_randomness framework=crypto
import secrets


def new_otp() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def send_login_code(user_email, mailer):
    code = new_otp()
    mailer.send(user_email, f"Your login code is {code}")
    return code
