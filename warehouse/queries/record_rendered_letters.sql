-- R17: the letters listed in rendered_letters are on disk.
UPDATE activation_letters
SET status = 'rendered', path = r.path, sha256 = r.sha256, pages = r.pages,
    bytes = r.bytes, rendered_at = r.rendered_at
FROM rendered_letters AS r
WHERE activation_letters.letter_id = r.letter_id
