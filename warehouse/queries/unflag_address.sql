DELETE FROM flagged_addresses WHERE address = $address RETURNING 1
