-- R20: letters not yet printed whose code was superseded by a newer serial stay home.
UPDATE activation_letters SET status = 'superseded'
WHERE customer_code = $customer_code AND serial < $serial AND status IN ('decided', 'rendered')
