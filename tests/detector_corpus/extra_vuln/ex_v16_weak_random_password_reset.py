# corpus: label=vulnerable class=weak_randomness line=8 framework=extra_vuln
import random
import string


def temporary_password(length=12):
    alphabet = string.ascii_letters + string.digits
    return "".join(random.choices(alphabet, k=length))


print(temporary_password())
