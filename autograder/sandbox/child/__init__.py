"""Code that runs inside the sandbox child, before and around the student's code.

Only the standard library and numpy are imported here, never the rest of the
autograder: the child is started with this folder's parent on sys.path and
must not be able to reach the grader's modules through it. The grader imports
`wire` from here too, so both sides speak one protocol.
"""
