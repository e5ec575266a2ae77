UPDATE invitations SET used_at = $at WHERE token_hash = $token_hash
