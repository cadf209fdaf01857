# corpus: label=vulnerable class=unsafe_deserialization line=10 framework=deserialize
import pickle
import socket

srv = socket.socket()
srv.bind(("0.0.0.0", 9009))
srv.listen(1)
conn, _ = srv.accept()
data = conn.recv(65536)
job = pickle.loads(data)
print("job", job)
