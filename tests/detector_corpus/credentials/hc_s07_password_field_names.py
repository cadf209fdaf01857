# corpus: label=safe class=hardcoded_credentials framework=credentials
from dataclasses import dataclass

PASSWORD_MIN_LENGTH = 12
PASSWORD_FIELD = "password"
TOKEN_HEADER = "X-Auth-Token"


@dataclass
class LoginForm:
    username: str
    password: str

    def valid(self) -> bool:
        return len(self.password) >= PASSWORD_MIN_LENGTH and bool(self.username)
