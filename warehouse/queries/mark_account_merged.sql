UPDATE accounts SET status = 'merged', merged_into = $target WHERE account_id = $source
