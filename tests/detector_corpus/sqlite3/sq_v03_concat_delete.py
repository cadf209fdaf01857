# corpus: label=vulnerable class=sql_injection line=6 framework=sqlite3
import sqlite3

def delete_note(note_id: str) -> None:
    with sqlite3.connect("notes.db") as conn:
        conn.execute("DELETE FROM notes WHERE id = " + note_id)

note = input("Note to delete: ")
delete_note(note)
