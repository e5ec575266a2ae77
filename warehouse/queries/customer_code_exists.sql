SELECT customer_code FROM customers WHERE customer_code = $customer_code
