# corpus: label=vulnerable class=hardcoded_credentials line=5 framework=credentials
import datetime
import jwt

SECRET = "my-jwt-signing-secret-123"


def issue(user_id):
    payload = {"sub": str(user_id), "exp": datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)}
    return jwt.encode(payload, SECRET, algorithm="HS256")
