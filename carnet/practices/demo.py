def seed_demo():
    raise NotImplementedError
