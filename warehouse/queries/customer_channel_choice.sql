SELECT customer_code, channel_choice FROM customers WHERE customer_code = $customer_code
