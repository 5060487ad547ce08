"""The pure core: goal chain, decision rules, turn-taking and the session state machine.

Nothing here touches the network, the disk or the clock: time arrives as a parameter.
"""
