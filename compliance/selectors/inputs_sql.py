"""The SQL that reads the engine's inputs: awards (current, carried forward and shared),
stances, statements, actions with their targets, programs, status changes and blocks.
"""

from __future__ import annotations

# "{scope}" is empty (every jurisdiction) or "AND <column> IN (%s, ...)"; dates come back as
# strings on SQLite (``inputs`` parses them). Budget lines span programs and never count: they
# are not read. Award rows: jurisdiction, ALN, fiscal year, kind, publication date,
# approximate, first id, total.
AWARD_COLUMNS = "a.jurisdiction_id, p.aln, a.fiscal_year, a.figure_kind, a.published_on"
AWARDS_SQL = f"""
SELECT {AWARD_COLUMNS}, MAX(CASE WHEN a.approximate THEN 1 ELSE 0 END), MIN(a.id),
       SUM(a.amount_usd)
FROM grants_grantaward a JOIN grants_grantprogram p ON p.id = a.program_id
WHERE a.fiscal_year >= %s AND a.figure_kind <> 'budget' {{scope}}
GROUP BY {AWARD_COLUMNS}
ORDER BY a.jurisdiction_id, p.aln, a.fiscal_year
"""
# Before the look-back window: the latest fiscal year per jurisdiction and program within the
# carry-forward limit that has a figure public by the as-of date, every row of that year, and
# only for a program with no public figure in the window up to the as-of year. A figure with
# no publication date counts as public at the end of its fiscal year: always before the as-of
# date for an earlier year, never for the as-of year itself. Parameters: the as-of date, the
# oldest year, the window's first year, the scope's ids, the window's first year, the as-of
# fiscal year (twice) and the as-of date.
LATEST_OLDER_AWARDS_SQL = f"""
SELECT {AWARD_COLUMNS}, MAX(CASE WHEN a.approximate THEN 1 ELSE 0 END), MIN(a.id),
       SUM(a.amount_usd)
FROM grants_grantaward a
JOIN grants_grantprogram p ON p.id = a.program_id
JOIN (
    SELECT o.jurisdiction_id, o.program_id, MAX(o.fiscal_year) AS fiscal_year
    FROM grants_grantaward o
    WHERE o.figure_kind <> 'budget' AND (o.published_on IS NULL OR o.published_on <= %s)
      AND o.fiscal_year >= %s AND o.fiscal_year < %s AND o.program_id IS NOT NULL
      {{scope}}
    GROUP BY o.jurisdiction_id, o.program_id
) l ON l.jurisdiction_id = a.jurisdiction_id AND l.program_id = a.program_id
   AND l.fiscal_year = a.fiscal_year
WHERE a.figure_kind <> 'budget' AND NOT EXISTS (
    SELECT 1 FROM grants_grantaward w
    WHERE w.jurisdiction_id = l.jurisdiction_id AND w.program_id = l.program_id
      AND w.figure_kind <> 'budget' AND w.fiscal_year >= %s AND w.fiscal_year <= %s
      AND ((w.published_on IS NULL AND w.fiscal_year < %s) OR w.published_on <= %s)
)
GROUP BY {AWARD_COLUMNS}
"""
# Shares of joint awards, for every award whose fiscal agent or member is in scope: the award
# (as an award row, its amount last but one) and the member with its share (NULL when not
# published).
SHARES_SQL = f"""
SELECT {AWARD_COLUMNS}, CASE WHEN a.approximate THEN 1 ELSE 0 END, a.id, a.amount_usd,
       s.jurisdiction_id, s.amount_usd
FROM grants_grantawardshare s
JOIN grants_grantaward a ON a.id = s.award_id
JOIN grants_grantprogram p ON p.id = a.program_id
WHERE a.figure_kind <> 'budget' {{scope}}
"""
STANCES_SQL = """
SELECT jurisdiction_id, id, code, effective_from, effective_to
FROM jurisdictions_policystance WHERE TRUE {scope}
ORDER BY jurisdiction_id, effective_from, id
"""
STATEMENTS_SQL = """
SELECT jurisdiction_id, id, said_on, position
FROM compliance_statement WHERE TRUE {scope}
ORDER BY jurisdiction_id, said_on, id
"""
TARGETS_SQL = """
SELECT federalaction_id, jurisdiction_id FROM compliance_federalaction_targets WHERE TRUE {scope}
"""
ACTIONS_SQL = """
SELECT id, kind, effect, status, issued_on, covers_all_programs, targets_all_sanctuary, title
FROM compliance_federalaction WHERE targets_all_sanctuary {scope}
ORDER BY issued_on, id
"""
REACHING = "SELECT id FROM compliance_federalaction WHERE targets_all_sanctuary {scope}"
ACTION_PROGRAMS_SQL = f"""
SELECT ap.federalaction_id, p.aln
FROM compliance_federalaction_programs ap JOIN grants_grantprogram p ON p.id = ap.grantprogram_id
WHERE ap.federalaction_id IN ({REACHING})
"""
# Status changes, dated by themselves or by the ruling that caused them.
STATUS_SQL = f"""
SELECT c.action_id, COALESCE(c.effective_from, cause.issued_on), c.status, c.listed_only, c.id
FROM compliance_federalactionstatus c
LEFT JOIN compliance_federalaction cause ON cause.id = c.caused_by_id
WHERE c.action_id IN ({REACHING})
"""
BLOCKS_SQL = f"""
SELECT b.protector_id, b.blocked_id, p.aln
FROM compliance_actionblock b
LEFT JOIN compliance_actionblock_programs bp ON bp.actionblock_id = b.id
LEFT JOIN grants_grantprogram p ON p.id = bp.grantprogram_id
WHERE b.protector_id IN ({REACHING})
"""
PROGRAMS_SQL = "SELECT aln, name, conditions_attach FROM grants_grantprogram"
