def chromium_tours(module):
    pass
