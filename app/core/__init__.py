"""The shared kernel every domain builds on: who acts and what their role may do,
pagination, and the record helpers of the services. It imports no domain."""
