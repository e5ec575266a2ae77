SELECT * FROM people WHERE person_id = $person_id
