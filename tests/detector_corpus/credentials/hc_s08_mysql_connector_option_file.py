# corpus: label=safe class=hardcoded_credentials framework=credentials
import mysql.connector

cnx = mysql.connector.connect(option_files="/etc/crm/client.cnf", database="crm")
cur = cnx.cursor()
cur.execute("SELECT COUNT(*) FROM leads")
print(cur.fetchone())
