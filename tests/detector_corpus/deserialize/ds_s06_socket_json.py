# corpus: label=safe class=unsafe_deserialization framework=deserialize
import json
import socket

srv = socket.socket()
srv.bind(("127.0.0.1", 9009))
srv.listen(1)
conn, _ = srv.accept()
job = json.loads(conn.recv(65536).decode("utf-8"))
print("job", job)
