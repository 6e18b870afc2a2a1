from safety_regression.github.action import main

main()
