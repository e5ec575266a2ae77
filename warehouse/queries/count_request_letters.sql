SELECT count(*) FROM activation_letters WHERE customer_code = $customer_code AND reason = 'on_request'
