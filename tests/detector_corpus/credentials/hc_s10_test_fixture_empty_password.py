# corpus: label=safe class=hardcoded_credentials framework=credentials
import os
import redis

r = redis.Redis(host=os.environ.get("REDIS_HOST", "localhost"), port=6379, password=os.environ.get("REDIS_PASSWORD"))
r.set("healthcheck", "ok", ex=30)
print(r.get("healthcheck"))
