# corpus: label=safe class=weak_cryptography framework=crypto
from cryptography.hazmat.primitives.asymmetric import rsa

private_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
print(private_key.public_key().key_size)
