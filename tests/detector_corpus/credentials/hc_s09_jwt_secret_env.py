# corpus: label=safe class=hardcoded_credentials framework=credentials
import datetime
import os
import jwt

SECRET = os.environ["JWT_SECRET"]


def issue(user_id):
    payload = {"sub": str(user_id), "exp": datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)}
    return jwt.encode(payload, SECRET, algorithm="HS256")
