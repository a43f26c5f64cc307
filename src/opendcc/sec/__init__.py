"""The Smart Energy Code as code: each rule a small typed function citing its clause.

Chapters 5 to 8 and Annex F of the March 2015 SEC consultation, as pure domain code (no
I/O; time passed in; storage behind Protocols). ``docs/sec-rules.md`` lists every clause
with the code that carries it out. Modules:

- ``params``: the dated, referenced parameter files under ``parameters/``;
- ``services``: the 129 Service Reference Variants and their M8.6 service categories;
- ``m86``: the SEC 1, SEC 2 and proposed 2015 draftings of M8.6 as dated versions;
- ``events_of_default``: Events of Default and the Panel's suspensions (M8.1, M8.4(f));
- ``suspension_gate``: refusing suspended requests with DUIS E3 (the hub's step);
- ``scenario``: M8.6 what-if over a scenario of suspensions and requests;
- ``confidentiality``: markings, the DCC's conditions and disputes (M4.8, M4.22, M4.24);
- ``disclosure``: nominated individuals and the disclosure gate and log (M4.17 to M4.19);
- ``liability``: liability limits for breach of confidentiality (M2.3);
- ``supplier_security``, ``compromise``, ``security_inputs``: the supplier's 'Supplier and
  Enrolled Smart Metering System' and its Indicators of Compromise (Condition 46A/40A);
- ``ipr``, ``bmit``: Implementation Milestones and reviews (DCC Licence Schedule 3) and the
  Baseline Margin Implementation Total (Condition 35).
"""
