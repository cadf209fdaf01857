# corpus: label=vulnerable class=weak_randomness line=6 framework=crypto
import random


def new_otp() -> str:
    return f"{random.randint(0, 999999):06d}"


def send_login_code(user_email, mailer):
    code = new_otp()
    mailer.send(user_email, f"Your login code is {code}")
    return code
