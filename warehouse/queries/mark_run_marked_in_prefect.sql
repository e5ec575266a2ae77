UPDATE runs SET prefect_marked_at = $marked_at WHERE run_id = $run_id
