-- Issue 20: the share of documents that went on paper, per issuer and month of issue,
-- over the whole history: the pipeline's original deliveries and the legacy system's
-- (legacy_deliveries). A document counts once in `documents` and once in
-- `paper_documents` if any of its deliveries was on paper.
CREATE OR REPLACE VIEW paper_share_monthly AS
WITH delivered AS (
    SELECT issuer, document_number, channel FROM deliveries WHERE purpose = 'original'
    UNION ALL
    SELECT issuer, document_number, channel FROM legacy_deliveries
),
per_document AS (
    SELECT issuer, document_number, bool_or(channel = 'paper') AS on_paper
    FROM delivered
    GROUP BY ALL
),
monthly AS (
    SELECT
        p.issuer,
        date_trunc('month', doc.issue_date)::DATE AS month,
        count(*) AS documents,
        count(*) FILTER (WHERE p.on_paper) AS paper_documents
    FROM per_document AS p
    JOIN documents AS doc USING (issuer, document_number)
    GROUP BY ALL
)
SELECT issuer, month, documents, paper_documents,
       round(paper_documents / documents, 4) AS paper_share
FROM monthly;
