"""`python -m agent.evaluate`: rewrite evals/suites/suite.schema.json from the suite models."""

from agent.evaluate.suite import write_schema

if __name__ == "__main__":
    print(write_schema())
