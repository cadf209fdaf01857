# corpus: label=safe class=sql_injection framework=sqlite3
import sqlite3

def delete_note(note_id: int) -> None:
    with sqlite3.connect("notes.db") as conn:
        conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))

note = int(input("Note to delete: "))
delete_note(note)
