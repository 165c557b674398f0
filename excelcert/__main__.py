from excelcert.cli import main

main()
