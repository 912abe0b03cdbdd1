"""Assessment against recognised frameworks.

The frameworks are data: ``schema`` (what a framework is), ``loader`` (reading and
checking frameworks/*.yaml), ``answers`` (one answer checked and normalised, once),
``scoring`` (pure scoring of normalised answers) and ``concepts`` (answers carried over
between frameworks). The assessments themselves: ``models``, ``services`` (the workflow
and the four-eyes rule of ``four_eyes``), ``api`` and ``pages``.
"""
