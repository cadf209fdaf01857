# corpus: label=vulnerable class=hardcoded_credentials line=4 framework=credentials
import mysql.connector

cnx = mysql.connector.connect(user="app", password="app_pw_9981", host="127.0.0.1", database="crm")
cur = cnx.cursor()
cur.execute("SELECT COUNT(*) FROM leads")
print(cur.fetchone())
